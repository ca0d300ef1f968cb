"""Running the model: replication seeds, the runner and its stored runs, the executors.

For whoever runs a scenario (``run.py run``), and the layer every comparison, sweep and
validation runs its replications through. It imports only :mod:`analysis.common` and ``sim``.
"""
