"""The workshop's view: policies compared side by side, their charts, report and live dashboard.

For whoever brings a policy question to a workshop (``run.py compare``, ``workshop``,
``dashboard``). The public functions are ``analysis.compare`` and ``analysis.workshop``.
"""
