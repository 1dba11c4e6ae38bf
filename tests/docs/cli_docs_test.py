#!/usr/bin/env python3
"""The command line and its documentation checked against each other, so neither can go stale.

The binary's own help is the authority (`notion-sim help`, `notion-sim CMD [SUB] --help`):
  1. every command `notion-sim help` lists has a description and a section
     "## `notion-sim CMD`" in docs/cli.md;
  2. every flag of every command (and of its subcommands: `admin faults add`) is named in that
     command's section of docs/cli.md;
  3. every command line in README.md and docs/*.md (fenced code blocks and `inline code` that
     starts with notion-sim) names a command that exists, and only flags that command has; every
     flag named in docs/cli.md's sections exists;
  4. bad input on the command line gets exit 2 and a message naming the flag: an unknown flag on
     every command, and a value that is not a number for every numeric flag.

  cli_docs_test.py NOTION_SIM SOURCE_DIR
"""
import pathlib
import re
import subprocess
import sys

binary, source = sys.argv[1], pathlib.Path(sys.argv[2])
failures = []


def fail(message):
    failures.append(message)
    print("FAIL " + message)


def run(*args):
    done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def section(help_text, title):
    """The lines of one part of a CLI11 help text ("Options:", "Subcommands:")."""
    lines, inside = [], False
    for line in help_text.splitlines():
        if re.match(r"^[A-Z][A-Za-z]*:$", line):
            inside = line == title
        elif inside and line.strip():
            lines.append(line)
    return lines


FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


class Command:
    """One command or subcommand as its --help describes it."""

    def __init__(self, path):
        self.path = path  # ["admin", "faults", "add"]
        code, self.help = run(*path, "--help")
        if code != 0:
            fail(f"notion-sim {' '.join(path)} --help exits {code}")
        # Option lines start with spaces then a dash: "  -o,--out TEXT  Output directory".
        self.options = {}  # flag -> type word (INT, UINT, FLOAT, TEXT, ...) or ""
        for line in section(self.help, "Options:"):
            m = re.match(r"^\s+(\S+)(?:\s+(\S+))?", line)
            if not m or not m.group(1).startswith("-"):
                continue
            kind = m.group(2).split(":")[0] if m.group(2) and m.group(2).isupper() else ""
            for flag in FLAG.findall(m.group(1)):
                self.options[flag] = kind
        self.options.pop("--help", None)
        self.subcommands = [
            Command(path + [line.split()[0]]) for line in section(self.help, "Subcommands:")
        ]

    def all_flags(self):
        flags = set(self.options)
        for sub in self.subcommands:
            flags |= sub.all_flags()
        return flags

    def walk(self):
        yield self
        for sub in self.subcommands:
            yield from sub.walk()


code, top_help = run("help")
if code != 0:
    fail(f"notion-sim help exits {code}")
listed = {}
for line in section(top_help, "Subcommands:"):
    name, _, description = line.strip().partition(" ")
    listed[name] = description.strip()
commands = {name: Command([name]) for name in listed}
if len(commands) < 10:
    fail(f"notion-sim help lists {len(commands)} commands: {sorted(commands)}")

GLOBAL_FLAGS = {"--help", "--version"}
every_flag = set().union(*(c.all_flags() for c in commands.values()))

# 1 and 2: docs/cli.md has a section per command naming each of its flags.
cli_md = (source / "docs/cli.md").read_text()
sections = {}
for m in re.finditer(r"^## `notion-sim ([a-z-]+)`\n(.*?)(?=^## |\Z)", cli_md, re.M | re.S):
    sections[m.group(1)] = m.group(2)
for name, command in sorted(commands.items()):
    if not listed[name]:
        fail(f"notion-sim help: {name} has no description")
    if name not in sections:
        fail(f"docs/cli.md: no section \"## `notion-sim {name}`\" for the command {name}")
        continue
    documented = set(FLAG.findall(sections[name]))
    for flag in sorted(command.all_flags() - documented - {"--version"}):
        fail(f"docs/cli.md: the section of notion-sim {name} does not name its flag {flag}")
    # A section may mention another command's flag ("the shards of explore --shard I/N"), but
    # not one that no command has.
    for flag in sorted(documented - every_flag - GLOBAL_FLAGS):
        fail(f"docs/cli.md: the section of notion-sim {name} names {flag}, which no command has")
for name in sorted(set(sections) - set(commands)):
    fail(f"docs/cli.md: a section for notion-sim {name}, which is not a command")

# 3: command lines in the README and the docs name real commands and their real flags.


def command_lines(text):
    """Shell lines in fenced blocks (continuations joined) and inline code spans."""
    fenced = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
    for block in fenced.findall(text):
        yield from block.replace("\\\n", " ").splitlines()
    yield from re.findall(r"`([^`]+)`", fenced.sub("", text).replace("\n", " "))


def check_line(where, line):
    line = re.sub(r"\s#.*$", "", line)  # a shell comment
    for part in re.split(r"\|\||&&|[|;&]", line):
        m = re.search(r"(?:^|[\s/$])notion-sim\s+([a-z][a-z-]*)(?=\s|$)(.*)", part)
        if not m:
            continue
        name, rest = m.group(1), m.group(2)
        if name not in commands:
            fail(f"{where}: `notion-sim {name}`: there is no command {name}")
            continue
        # Quoted arguments (JSON, globs) are values, not flags.
        rest = re.sub(r"'[^']*'|\"[^\"]*\"", "", rest)
        for flag in FLAG.findall(rest):
            if flag not in commands[name].all_flags() | GLOBAL_FLAGS:
                fail(f"{where}: `notion-sim {name} ... {flag}`: {name} has no flag {flag}")


documents = [source / "README.md"] + sorted((source / "docs").glob("*.md"))
lines_checked = 0
for doc in documents:
    for line in command_lines(doc.read_text()):
        if "notion-sim" in line:
            lines_checked += 1
            check_line(doc.relative_to(source), line)
if lines_checked < 50:
    fail(f"only {lines_checked} command lines found in the docs: the parser is broken")

# 4: bad flags and bad values are refused with exit 2, naming the flag.
commands_checked = numeric_checked = 0
for command in (c for top in commands.values() for c in top.walk()):
    code, out = run(*command.path, "--no-such-flag")
    commands_checked += 1
    if code != 2 or "--no-such-flag" not in out:
        fail(f"notion-sim {' '.join(command.path)} --no-such-flag: exit {code}, output {out!r}")
    for flag, kind in sorted(command.options.items()):
        if kind not in ("INT", "UINT", "FLOAT"):
            continue
        numeric_checked += 1
        code, out = run(*command.path, flag, "twelve")
        if code != 2 or flag not in out:
            fail(f"notion-sim {' '.join(command.path)} {flag} twelve: exit {code}, output {out!r}")

print(
    f"{len(commands)} commands ({commands_checked} with subcommands), "
    f"{sum(len(c.all_flags()) for c in commands.values())} flags documented in docs/cli.md; "
    f"{lines_checked} command lines in {len(documents)} documents; "
    f"{numeric_checked} numeric flags refuse a word with exit 2"
)
if failures:
    print(f"{len(failures)} problem(s)")
    sys.exit(1)
print("the command line and its documentation agree")
