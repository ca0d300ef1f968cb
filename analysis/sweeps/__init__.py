"""Parameter sweeps: designs and samplers, the run store and its resume, the summary, charts, sensitivity.

For whoever explores a parameter space (``run.py sweep``). The public function is ``analysis.sweep``.
"""
