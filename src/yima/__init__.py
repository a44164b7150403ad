"""yima (一码): one code for every rural domestic sewage treatment facility."""

__version__ = "0.1.0"
