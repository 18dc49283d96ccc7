"""Turn a MyST page into plain markdown for retrieval: what a reader sees, without the markup that builds it.

Front matter, HTML comments and reference targets go; admonitions become a bold title and their text; executable
code cells become plain ``python`` blocks without their options; an included file leaves a one-line mention; a role
such as {download}`Download the notebook <path>` leaves its text. Headings are kept: the chunker splits on them.
"""

import re

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TARGET_LINE = re.compile(r"^\([\w.:-]+\)=\s*$", re.MULTILINE)
ROLE_WITH_TARGET = re.compile(r"\{[\w:-]+\}`([^`<]+?)\s*<[^`>]+>`")
ROLE = re.compile(r"\{[\w:-]+\}`([^`]+)`")
DIRECTIVE_OPEN = re.compile(r"^(`{3,}|~{3,})\{([\w-]+)\}\s*(.*)$")
FENCE = re.compile(r"^(`{3,}|~{3,})")
OPTION_LINE = re.compile(r"^:[\w-]+:")
BLANK_RUNS = re.compile(r"\n{3,}")
ADMONITIONS = {"admonition", "note", "tip", "warning", "important", "caution", "attention", "hint", "seealso"}
CODE_DIRECTIVES = {"code-cell", "code-block", "code"}
KEEP, SHOW, SKIP = "keep", "show", "skip"  # a code block (kept, fences too), a directive's text, a dropped block


def clean_page(text: str) -> str:
    """Plain markdown for a MyST page (see the module docstring for what changes)."""
    text = FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    text = HTML_COMMENT.sub("", text)
    text = TARGET_LINE.sub("", text)
    text = "\n".join(rewrite_directives(text.split("\n")))
    text = ROLE.sub(r"\1", ROLE_WITH_TARGET.sub(r"\1", text))
    return BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def rewrite_directives(lines: list[str]) -> list[str]:
    """Replace directive fences by what they show; plain code fences and everything inside them pass unchanged."""
    out: list[str] = []
    stack: list[tuple[str, str]] = []  # per open fence: its opening fence and what to do with its lines
    skip_options = False
    for line in lines:
        if skip_options and OPTION_LINE.match(line):
            continue
        skip_options = False
        in_code = bool(stack) and stack[-1][1] != SHOW
        if stack and closes(line, stack[-1][0]):
            fence, mode = stack.pop()
            if mode == KEEP:
                out.append(line)
            continue
        opened = DIRECTIVE_OPEN.match(line)
        if opened and not in_code:
            fence, name, argument = opened.groups()
            stack.append((fence, open_directive(name, argument, fence, out)))
            skip_options = True
            continue
        fence = FENCE.match(line)
        if fence and not in_code:
            stack.append((fence.group(1), KEEP))
        if not (stack and stack[-1][1] == SKIP):
            out.append(line)
    return out


def closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened by ``fence``: the same character, at least as many, nothing else."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def open_directive(name: str, argument: str, fence: str, out: list[str]) -> str:
    """Write what the opening of directive ``name`` shows; return what to do with its lines and closing fence."""
    if name in CODE_DIRECTIVES:
        out.append(f"{fence}python")
        return KEEP
    if name == "literalinclude":
        out.append(f"(The file {argument.strip()} is shown here.)")
        return SKIP
    if name in ADMONITIONS:
        out.append(f"**{argument.strip() or name.capitalize()}**")
        out.append("")
    return SHOW
