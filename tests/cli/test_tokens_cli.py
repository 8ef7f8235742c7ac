"""`recount tokens`: create prints the secret once, list never shows it, revoke refuses it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from domain.errors import Forbidden
from services.archive import Archive
from services.settings import Settings
from services.tokens import authenticate


@pytest.fixture
def env(sqlite_url):
    runner = CliRunner()
    environment = {"RECOUNT_DATABASE_URL": sqlite_url}
    assert runner.invoke(app, ["init"], env=environment).exit_code == 0
    return runner, environment


def test_tokens_create_list_revoke(env, sqlite_url):
    runner, environment = env
    created = runner.invoke(app, ["tokens", "create", "desk"], env=environment)
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert token.startswith("rct_")
    listed = runner.invoke(app, ["tokens", "list"], env=environment)
    assert "desk" in listed.output and token not in listed.output
    assert runner.invoke(app, ["tokens", "revoke", "desk"], env=environment).exit_code == 0
    archive = Archive.open(Settings(database_url=sqlite_url))
    try:
        with pytest.raises(Forbidden):
            authenticate(archive, token)
    finally:
        archive.close()


def test_revoking_an_unknown_token_fails_in_one_line(env):
    runner, environment = env
    done = runner.invoke(app, ["tokens", "revoke", "nobody"], env=environment)
    assert done.exit_code == 1
    assert "no token named 'nobody'" in done.output


def test_tokens_are_writers_unless_created_as_editors(env, sqlite_url):
    runner, environment = env
    writer = runner.invoke(app, ["tokens", "create", "desk"], env=environment).output.strip()
    editor = runner.invoke(
        app, ["tokens", "create", "chief", "--role", "editor"], env=environment
    ).output.strip()
    archive = Archive.open(Settings(database_url=sqlite_url))
    try:
        assert authenticate(archive, writer).role == "writer"
        assert authenticate(archive, editor).role == "editor"
    finally:
        archive.close()
    listed = runner.invoke(app, ["tokens", "list"], env={**environment, "COLUMNS": "200"}).output
    assert "desk" in listed and "writer" in listed and "editor" in listed


def test_an_unknown_role_fails_in_one_line_and_makes_no_token(env):
    runner, environment = env
    done = runner.invoke(app, ["tokens", "create", "x", "--role", "boss"], env=environment)
    assert done.exit_code == 1
    assert done.output.strip() == "error: a token's role is writer or editor, not 'boss'"
    listed = runner.invoke(app, ["tokens", "list"], env=environment).output
    assert " x " not in listed


def test_a_name_in_square_brackets_is_listed_as_written_not_read_as_styling(env):
    runner, environment = env
    name = "[bold]desk[/bold]"
    assert runner.invoke(app, ["tokens", "create", name], env=environment).exit_code == 0
    listed = runner.invoke(app, ["tokens", "list"], env=environment)
    assert name in listed.output
