"""coachsim's model: a Mesa simulation of coaching, quota load and attainment in a sales org."""

from sim.agents import Executive, Manager, Rep
from sim.metrics import CANONICAL, METRICS
from sim.model import SalesOrgModel
from sim.params import REGISTRY, ParameterError

__all__ = [
    "CANONICAL",
    "METRICS",
    "REGISTRY",
    "Executive",
    "Manager",
    "ParameterError",
    "Rep",
    "SalesOrgModel",
]
__version__ = "0.1.0"
