"""Scenario discovery: the regions of parameter space where an outcome of interest concentrates.

For whoever asks of a sweep "where does this policy fail?". :mod:`analysis.discovery.prim` holds
PRIM (Friedman and Fisher 1999; Bryant and Lempert 2010): ``prim``, ``find_boxes``, ``describe``,
``box_table`` and ``PrimResult``; :mod:`analysis.discovery.plots` draws a box with ``prim_figure``.
Import them from those modules: like every package of ``analysis/``, this ``__init__`` imports
nothing (``tests/test_layout.py``).
"""
