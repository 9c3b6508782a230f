"""``channel …`` (installed) or ``python -m channel …``: the same commands as
``flask --app channel …``."""
from flask.cli import FlaskGroup

from channel import create_app


def main() -> None:
    FlaskGroup(create_app=lambda: create_app(prepare=False), add_default_commands=False, add_version_option=False,
               load_dotenv=False)()


if __name__ == "__main__":
    main()
