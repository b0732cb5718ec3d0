"""Shared CLI plumbing: bad input becomes one line on stderr and exit code 2."""

from __future__ import annotations

import errno

import click

from analysis._errors import InputError, short_message

#: OSErrors about a path the user gave (too long, not there, a directory, no permission): bad input.
_PATH_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.ELOOP})

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def run_guarded(command: click.Command, argv: list[str]) -> int:
    """Run a click command; bad input becomes one line on stderr and exit code 2."""
    try:
        rv = command.main(args=argv, prog_name="tradeoffs", standalone_mode=False)
    except InputError as exc:
        click.echo(f"error: {exc.message}", err=True)
        return EXIT_BAD_INPUT
    except OSError as exc:
        if exc.errno not in _PATH_ERRNOS or exc.filename is None:
            raise
        click.echo(f"error: {short_message(exc.filename, limit=80)}: {exc.strerror}; check the path.", err=True)
        return EXIT_BAD_INPUT
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # usage errors: click already words them well
        exc.show()
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("aborted.", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("interrupted; nothing was written.", err=True)
        return 130
    # With standalone_mode=False click returns ctx.exit(code)'s code; commands return None.
    return rv if isinstance(rv, int) else EXIT_OK
