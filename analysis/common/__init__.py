"""What every user of ``analysis/`` shares: the counted year, job limits, output folders, statistics.

Nothing here imports another package of ``analysis/``; every other package may import it.
"""
