"""``python -m plateau`` runs the command line."""
from .cli import main

main()
