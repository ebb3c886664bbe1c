"""The base of every `duban` command: wrong arguments and refused input answer ONE
Chinese line on stderr and exit with status 2 — never a traceback, never argparse's
English usage text (issue 10: `duban remind --date 2022-02-30` printed 47 lines).

A command subclasses `Command` instead of Django's BaseCommand and raises
CommandError with a Chinese message, from `handle` or from an argument type
(the parsers in org/cli.py).
"""

import argparse
import re
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    SystemCheckError,
    handle_default_options,
)
from django.db import connections

#: the exit status of every refusal: the shell's "incorrect usage"
USAGE = 2

# argparse's own messages, in the office's words
_MESSAGES = [
    (r"the following arguments are required: (.+)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.+)", "无法识别的参数：{0}"),
    (r"argument (\S+): expected one argument", "参数 {0} 后面需要一个值"),
    (
        r"argument (\S+): invalid choice: '?([^'(]*)'? \(choose from (.+)\)",
        "参数 {0} 的取值“{1}”无效，可选：{2}",
    ),
    (r"argument (\S+): invalid (\S+) value: '?([^']*)'?", "参数 {0} 的值“{2}”无效"),
    (r"argument (\S+): not allowed with argument (\S+)", "参数 {0} 不能与 {1} 同时使用"),
    (r"argument (\S+): ignored explicit argument '?([^']*)'?", "参数 {0} 不需要值（收到“{1}”）"),
]


def chinese_usage_error(message):
    """argparse's English error as one Chinese line (the original when unknown)."""
    for pattern, text in _MESSAGES:
        if match := re.fullmatch(pattern, message.strip()):
            return text.format(*(group.replace("'", "") for group in match.groups()))
    return f"参数有误：{message}"


class ChineseParser(CommandParser):
    def error(self, message):
        raise CommandError(chinese_usage_error(message), returncode=USAGE)


def _chinese(parser):
    parser.__class__ = ChineseParser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _chinese(sub)
    return parser


class Command(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        return _chinese(super().create_parser(prog_name, subcommand, **kwargs))

    def run_from_argv(self, argv):
        """Django's, with every CommandError — from parsing the arguments too, which
        Django lets escape as a traceback — written as one line, exit status 2."""
        self._called_from_command_line = True
        traceback = "--traceback" in argv
        try:
            parser = self.create_parser(argv[0], argv[1])
            options = parser.parse_args(argv[2:])
            cmd_options = vars(options)
            args = cmd_options.pop("args", ())
            handle_default_options(options)
            self.execute(*args, **cmd_options)
        except SystemCheckError as error:
            self.stderr.write(str(error), lambda x: x)
            sys.exit(error.returncode)
        except CommandError as error:
            if traceback:
                raise
            self.stderr.write(str(error))
            sys.exit(USAGE)
        finally:
            try:
                connections.close_all()
            except ImproperlyConfigured:
                pass
