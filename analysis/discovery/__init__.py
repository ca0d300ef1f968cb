"""Scenario discovery: the regions of parameter space where an outcome of interest concentrates.

For whoever asks of a sweep or an ensemble "where does this policy fail?".
:mod:`analysis.discovery.prim` holds PRIM (Friedman and Fisher 1999; Bryant and Lempert 2010):
``prim``, ``find_boxes``, ``describe``, ``box_table`` and ``PrimResult``;
:mod:`analysis.discovery.plots` draws a box with ``prim_figure``; :mod:`analysis.discovery.sweep`
runs it on a finished sweep (``python run.py discover``). The ensemble's comparison uses it through
:mod:`analysis.comparisons.robustness_report`.
Import them from those modules: like every package of ``analysis/``, this ``__init__`` imports
nothing (``tests/test_layout.py``).
"""
