"""MkDocs hook: the CLI reference page is generated from the ``dockyard`` click tree at build time.

The page ``cli.md`` holds the marker ``<!-- cli-reference -->``; this hook puts there, for every
command, its usage line, its help text and its options, read from the click objects themselves, so
the reference is never written twice and cannot fall behind a renamed flag.
"""
from __future__ import annotations

import click

MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER not in markdown:
        return markdown
    from toolkit.cli import cli

    return markdown.replace(MARKER, reference(cli))


def reference(root: click.Group, name: str = "dockyard") -> str:
    """Markdown for ``root`` and every command below it, depth first, in the order of ``--help``."""
    return "\n".join(_sections(root, [name]))


def _sections(command: click.Command, path: list[str]):
    ctx = click.Context(command, info_name=" ".join(path))
    level = "#" * min(len(path) + 1, 6)
    yield f"{level} `{' '.join(path)}`\n"
    yield f"```text\n{command.get_usage(ctx)}\n```\n"
    help_text = _help(command)
    if help_text:
        yield help_text + "\n"
    options = [_option_row(p, ctx) for p in command.get_params(ctx) 
               if isinstance(p, click.Option) and not p.hidden and p.name != "help"]
    if options:
        yield "| option | meaning |\n| --- | --- |\n" + "\n".join(options) + "\n"
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from _sections(sub, [*path, sub_name])


def _help(command: click.Command) -> str:
    """The command's help as Markdown: ``\\b`` blocks (click's verbatim paragraphs) become code blocks."""
    paragraphs = []
    for paragraph in (command.help or "").strip().split("\n\n"):
        text = "\n".join(line.strip() if not paragraph.lstrip().startswith("\b") else line
                         for line in paragraph.splitlines())
        if text.lstrip().startswith("\b"):
            body = "\n".join(line for line in text.splitlines() if line.strip() != "\b")
            paragraphs.append(f"```text\n{_dedent(body)}\n```")
        else:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")


def _option_row(option: click.Option, ctx: click.Context) -> str:
    names, meaning = option.get_help_record(ctx) or (", ".join(option.opts), "")
    return f"| `{_cell(names)}` | {_cell(meaning)} |"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
