"""lzgen: a landing-zone generator for AWS Organizations."""

__version__ = "0.1.0"
