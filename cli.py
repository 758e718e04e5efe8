"""``python cli.py ...`` runs the plateau command line (it lives in plateau/cli/)."""
from plateau.cli import cli, main  # noqa: F401

if __name__ == "__main__":
    main()
