"""Parse a command line (`ready shop 1.1 --env local`) into a Command. Pure."""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field

from actions.errors import UsageError
from bot.verbs import VERBS, Verb

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@+-]{0,127}$")
MAX_LENGTH = 2000


@dataclass(frozen=True)
class Command:
    """A parsed command: the verb, its named positionals, options and trailing words."""

    verb: str
    args: dict[str, str] = field(default_factory=dict)
    options: dict[str, str | bool] = field(default_factory=dict)
    rest: tuple[str, ...] = ()
    text: str = ""

    @property
    def subcommand(self) -> str | None:
        spec = VERBS[self.verb]
        if not spec.subcommands:
            return None
        return self.args.get(spec.positionals[spec.sub_index].rstrip("?"))

    def words(self) -> list[str]:
        """The arguments as a flat list, for the audit log."""
        out = list(self.args.values())
        for key, value in self.options.items():
            out.append(f"--{key}" if value is True else f"--{key}={value}")
        if self.rest:
            out += ["--", *self.rest]
        return out


def nearest(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    """The closest candidate to a mistyped word, if any is close enough."""
    found = difflib.get_close_matches(word.lower(), list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _split(text: str) -> list[str]:
    try:
        return [_dashes(word) for word in shlex.split(text.translate(_QUOTES))]
    except ValueError as exc:
        raise UsageError(f"could not read the command: {exc}") from None


def _dashes(word: str) -> str:
    """`—lines` or `–lines` as `--lines`: chat clients and macOS turn a typed `--` into a dash
    (only at the start of a word: a dash inside a quoted reason stays)."""
    if word in ("—", "–"):
        return "--"
    if word[:1] in ("—", "–") and word[1:2].isalpha():
        return "--" + word[1:]
    return word


def parse(text: str) -> Command:
    """Parse one command line; raise UsageError saying what is wrong and the usage."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise UsageError(f"the command is too long ({len(text)} characters, at most {MAX_LENGTH})")
    words = _split(text)
    if words and words[0] in ("/preprod", "preprod"):
        words = words[1:]
    if not words:
        return Command("help", text=text)
    head = words[0].lower()
    if head in ("-h", "--help"):
        return Command("help", text=text)
    spec = VERBS.get(head)
    if spec is None:
        hint = nearest(head, list(VERBS))
        suggestion = f" Did you mean `{hint}`?" if hint else ""
        raise UsageError(
            f"unknown command `{_shown(head)}`.{suggestion} Commands: {', '.join(VERBS)}. "
            "Try `help`."
        )
    return _parse_verb(spec, words[1:], text)


def _shown(word: str) -> str:
    return word[:40].replace("`", "'")


def _parse_verb(spec: Verb, words: list[str], text: str) -> Command:
    positionals: list[str] = []
    options: dict[str, str | bool] = {}
    rest: tuple[str, ...] = ()
    known = {o.name: o for o in spec.options}
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            if not spec.rest:
                raise _usage(spec, "`--` is not used by this command")
            rest = tuple(words[i + 1 :])
            break
        if word in ("-h", "--help"):
            return Command("help", args={"verb": spec.name}, text=text)
        if word.startswith("--"):
            name, _, inline = word[2:].partition("=")
            option = known.get(name)
            if option is None:
                hint = nearest(name, list(known))
                extra = f" Did you mean `--{hint}`?" if hint else ""
                raise _usage(spec, f"unknown option `--{_shown(name)}`.{extra}")
            if option.value is None:
                if inline:
                    raise _usage(spec, f"`--{name}` takes no value")
                options[name] = True
            else:
                if not inline:
                    i += 1
                    if i >= len(words) or words[i].startswith("--"):
                        raise _usage(spec, f"`--{name}` needs a value ({option.value})")
                    inline = words[i]
                if option.choices and inline not in option.choices:
                    raise _usage(spec, f"`--{name}` must be one of {', '.join(option.choices)}")
                options[name] = inline
        else:
            positionals.append(word)
        i += 1
    return Command(spec.name, _bind(spec, positionals), options, rest, text)


def _bind(spec: Verb, positionals: list[str]) -> dict[str, str]:
    names = [p.rstrip("?") for p in spec.positionals]
    required = [p for p in spec.positionals if not p.endswith("?")]
    if len(positionals) < len(required):
        missing = ", ".join(f"<{p}>" for p in required[len(positionals) :])
        raise _usage(spec, f"missing {missing}")
    if len(positionals) > len(names):
        extra = " ".join(_shown(w) for w in positionals[len(names) :])
        raise _usage(spec, f"unexpected `{extra}`")
    args = dict(zip(names, positionals, strict=False))
    for name, value in args.items():
        if name in spec.free:
            if len(value) > 1100 or "\n" in value:
                raise _usage(spec, f"<{name}> is too long or spans lines")
        elif not _WORD.match(value):
            raise _usage(spec, f"<{name}> `{_shown(value)}` is not a valid name")
    key = names[spec.sub_index] if spec.subcommands else None
    if key is not None and key in args:
        sub = args[key].lower()
        if sub not in spec.subcommands:
            hint = nearest(sub, list(spec.subcommands))
            extra = f" Did you mean `{hint}`?" if hint else ""
            choices = "|".join(spec.subcommands)
            raise _usage(spec, f"`{_shown(sub)}` is not one of {choices}.{extra}")
        args[key] = sub
    return args


def _usage(spec: Verb, problem: str) -> UsageError:
    return UsageError(f"{problem}\nUsage: `{spec.usage}`")
