"""Benchmarks: ``make bench`` (``python -m benchmarks``) times tenantry's permission checks
against casbin modelling the same Verkkokurssikassa policy over the same data set."""
