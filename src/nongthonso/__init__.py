"""Nông thôn số — a provincial platform for the New Rural Development programme (Nông thôn mới)."""

__version__ = "0.1.0"
