"""`python -m poam_xl` runs the CLI."""

from .cli import main

main()
