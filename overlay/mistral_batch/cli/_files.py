"""`mistral-batch files`: upload, list, show, download, delete, and sign files."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mistral_batch import check_input_file
from mistral_batch.limits import MAX_SIGNED_URL_HOURS

from . import _codes, _steps
from ._app import CONTEXT, App, CommandError, pass_app
from ._output import FILE_HEADERS, as_dict, file_fields, file_row, size
from ._params import file_mode_option, file_path_option, json_option, page_option
from ._progress import transfer


@click.group("files", context_settings=CONTEXT)
def files() -> None:
    """Files in the workspace: upload, ls, get, download, rm, url."""


@files.command("upload")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--purpose", default="batch", show_default=True, help="batch, fine-tune or ocr.")
@click.option("--no-check", is_flag=True, help="Skip the local check of batch input files.")
@json_option
@pass_app
def upload(app: App, paths: tuple[Path, ...], purpose: str, no_check: bool, as_json: bool) -> None:
    """Upload PATHS; batch input is checked locally first (nothing is sent if one is bad)."""
    if purpose == "batch" and not no_check:
        for path in paths:
            check_input_file(path)
    client = app.client()
    uploaded = []
    for path in paths:
        with transfer(app.out, f"upload {path.name}", path.stat().st_size) as bar:
            uploaded.append(client.files.upload(path, purpose=purpose, progress=bar))
    app.out.listing(uploaded, as_json, FILE_HEADERS, file_row)


@files.command("ls")
@click.option("--purpose", help="Only files for this purpose.")
@click.option("--search", help="Only files whose name contains this.")
@click.option("--source", multiple=True, help="upload, repository or mistral (repeatable).")
@click.option("--sample-type", multiple=True, help="e.g. batch_result (repeatable).")
@page_option
@json_option
@pass_app
def ls(
    app: App,
    purpose: str | None,
    search: str | None,
    source: tuple[str, ...],
    sample_type: tuple[str, ...],
    page: int,
    as_json: bool,
) -> None:
    """List every file, all pages (from --page on)."""
    listing = app.client().files.list(
        page=page,
        purpose=purpose,
        search=search,
        source=list(source) or None,
        sample_type=list(sample_type) or None,
    )
    app.out.listing(list(listing), as_json, FILE_HEADERS, file_row)


@files.command("get")
@click.argument("file_id")
@json_option
@pass_app
def get(app: App, file_id: str, as_json: bool) -> None:
    """Show a file."""
    found = app.client().files.retrieve(file_id)
    if as_json:
        app.out.json(as_dict(found))
    else:
        app.out.fields(file_fields(found))


def download_target(server_name: str, output: Path | None, force: bool) -> Path:
    """Where `files download` may write: --output, else the server's name if it is safe.

    A name chosen by whoever uploaded the file must not pick a hidden file or another
    folder (``.bashrc``, ``../x``), and nothing already there is replaced without
    --force. Raises CommandError saying what to pass instead.
    """
    if output is None:
        name = server_name
        unsafe = (
            not name
            or name.startswith(".")
            or any(sep in name for sep in ("/", "\\", os.sep))
            or any(ord(c) < 32 or ord(c) == 127 for c in name)
        )
        if unsafe:
            raise CommandError(
                f"the file's name {name!r} could pick a hidden file or another folder;"
                " pass --output to name the target",
                _codes.USAGE,
            )
        output = Path(name)
    if not force and (output.exists() or output.is_symlink()):
        raise CommandError(f"{output} exists; pass --force to replace it", _codes.USAGE)
    return output


@files.command("download")
@click.argument("file_id")
@file_path_option(
    "--output",
    "-o",
    help="Where to write it [default: the file's name, here, if it is a plain name].",
)
@click.option("--force", is_flag=True, help="Replace the target if it exists.")
@file_mode_option
@json_option
@pass_app
def download(
    app: App, file_id: str, output: Path | None, force: bool, file_mode: int, as_json: bool
) -> None:
    """Download a file; the path appears only once it is complete, and replaces an
    existing file only with --force."""
    client = app.client()
    name = client.files.retrieve(file_id).filename if output is None else ""
    output = download_target(name, output, force)
    label = f"download {output.name}"
    written = _steps.download(app.out, client, file_id, output, label, file_mode)
    if as_json:
        app.out.json({"id": file_id, "path": str(output), "bytes": written})
    else:
        app.out.line(f"Downloaded {file_id} to {output} ({size(written)})")


@files.command("rm")
@click.argument("file_ids", nargs=-1, required=True)
@json_option
@pass_app
def rm(app: App, file_ids: tuple[str, ...], as_json: bool) -> None:
    """Delete files."""
    client = app.client()
    deleted = [client.files.delete(file_id) for file_id in file_ids]
    if as_json:
        app.out.json([as_dict(d) for d in deleted])
    else:
        for d in deleted:
            app.out.line(f"Deleted {d.id}" if d.deleted else f"Not deleted: {d.id}")


@files.command("url")
@click.argument("file_id")
@click.option(
    "--expiry",
    type=click.IntRange(1, MAX_SIGNED_URL_HOURS),
    metavar=f"1-{MAX_SIGNED_URL_HOURS}",
    default=24,
    show_default=True,
    help="Hours the URL works.",
)
@json_option
@pass_app
def url(app: App, file_id: str, expiry: int, as_json: bool) -> None:
    """Print a URL that downloads the file without a key until it expires (keep it secret)."""
    signed = app.client().files.get_signed_url(file_id, expiry=expiry)
    if as_json:
        app.out.json({"id": file_id, "url": signed.url, "expiry_hours": expiry})
    else:
        app.out.line(signed.url)
