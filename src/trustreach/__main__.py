"""``python -m trustreach`` runs the command line."""

from trustreach.cli import main

if __name__ == "__main__":
    main()
