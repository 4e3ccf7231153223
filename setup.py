"""Package discovery: the core under src/, and api/ installed under the name routeplan_api."""

from setuptools import find_packages, setup

_API = ["routeplan_api" + name[len("api"):] for name in find_packages(".", include=["api", "api.*"])]

setup(packages=find_packages("src") + _API)
