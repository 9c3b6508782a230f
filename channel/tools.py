"""Placeholder: filled in by the work on issue 4."""
from flask import Blueprint

bp = Blueprint("tools", __name__)
