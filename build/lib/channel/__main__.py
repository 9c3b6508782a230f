"""``python -m channel …``: the same commands as ``flask --app channel …``."""
from flask.cli import FlaskGroup

from channel import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, add_default_commands=False, add_version_option=False,
               load_dotenv=False)(prog_name="python -m channel")


if __name__ == "__main__":
    main()
