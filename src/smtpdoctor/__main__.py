"""``python -m smtpdoctor …``: the same command line as the ``smtpdoctor`` script."""

from smtpdoctor.cli.app import main

if __name__ == "__main__":
    main()
