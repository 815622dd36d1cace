"""``python -m smtpdoctor …``: the same command line as the ``smtpdoctor`` script."""

from smtpdoctor.cli.app import run

if __name__ == "__main__":
    run()
