/**
 * `vineyard-charts completion bash|zsh|fish`: a completion script generated from the registered
 * commands and their options (main.ts registers every command for it), so it cannot drift from them.
 */
import { Argument, type Command, type Option } from 'commander';

const BIN = 'vineyard-charts';

interface Spec {
  name: string;
  summary: string;
  options: {
    long?: string;
    short?: string;
    help: string;
    takesValue: boolean;
    choices?: readonly string[];
  }[];
  subcommands: Spec[];
}

function specOf(cmd: Command): Spec {
  return {
    name: cmd.name(),
    summary: cmd.summary() || cmd.description().split('\n')[0],
    options: cmd.options
      .filter((o: Option) => !o.hidden)
      .map((o: Option) => ({
        long: o.long,
        short: o.short,
        help: o.description,
        takesValue: o.required || o.optional,
        choices: o.argChoices,
      })),
    subcommands: cmd.commands.filter((c) => c.name() !== 'help').map(specOf),
  };
}

const oneLine = (s: string) => s.split('\n')[0];

export function bashScript(commands: Spec[]): string {
  const fn = '_vineyard_charts';
  const cases = commands.flatMap((c) => {
    const all = [c, ...c.subcommands.map((s) => ({ ...s, name: `${c.name} ${s.name}` }))];
    return all.map((s) => {
      const words = [...s.options.flatMap((o) => [o.long, o.short]), '--help'].filter(Boolean).join(' ');
      const values = s.options
        .filter((o) => o.takesValue)
        .map((o) => {
          const names = [o.long, o.short].filter(Boolean).join('|');
          return o.choices
            ? `      ${names}) COMPREPLY=($(compgen -W "${o.choices.join(' ')}" -- "$cur")); return ;;`
            : `      ${names}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`;
        });
      const subs = s === c && c.subcommands.length ? c.subcommands.map((x) => x.name).join(' ') : '';
      return [
        `    "${s.name}")`,
        values.length ? `      case "$prev" in\n${values.map((v) => `  ${v}`).join('\n')}\n      esac` : '',
        subs
          ? `      if [[ $cword -eq 2 ]]; then COMPREPLY=($(compgen -W "${subs}" -- "$cur")); return; fi`
          : '',
        `      opts="${words}" ;;`,
      ]
        .filter(Boolean)
        .join('\n');
    });
  });
  return `# bash completion for ${BIN}: source it, or install it as
#   ${BIN} completion bash > ~/.local/share/bash-completion/completions/${BIN}
${fn}() {
  local cur prev cword opts key
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cword=$COMP_CWORD
  if [[ $cword -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  key="\${COMP_WORDS[1]}"
  if [[ $cword -gt 2 && " ${commands
    .filter((c) => c.subcommands.length)
    .map((c) => c.name)
    .join(' ')} " == *" $key "* ]]; then key="$key \${COMP_WORDS[2]}"; fi
  case "$key" in
${cases.join('\n')}
    *) opts="--help" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F ${fn} ${BIN}
`;
}

const zshQuote = (s: string) => s.replace(/'/g, "'\\''").replace(/[[\]:]/g, (c) => `\\${c}`);

export function zshScript(commands: Spec[]): string {
  const args = (s: Spec) =>
    s.options.map((o) => {
      const names = [o.long, o.short].filter(Boolean) as string[];
      const value = o.takesValue ? (o.choices ? `:value:(${o.choices.join(' ')})` : ':value:_files') : '';
      const spec = (n: string) => `'${n}[${zshQuote(oneLine(o.help))}]${value}'`;
      return names.length > 1
        ? `'(${names.join(' ')})'{${names.join(',')}}'[${zshQuote(oneLine(o.help))}]${value}'`
        : spec(names[0]);
    });
  const cases = commands.map((c) => {
    if (c.subcommands.length) {
      const subs = c.subcommands.map((x) => `'${x.name}:${zshQuote(x.summary)}'`).join(' ');
      const inner = c.subcommands
        .map((x) => `        ${x.name}) _arguments ${[...args(x), "'*:file:_files'"].join(' ')} ;;`)
        .join('\n');
      return `    ${c.name})
      if (( CURRENT == 3 )); then local -a subs; subs=(${subs}); _describe 'subcommand' subs; return; fi
      case $words[3] in
${inner}
      esac ;;`;
    }
    return `    ${c.name}) _arguments ${[...args(c), "'*:file:_files'"].join(' ')} ;;`;
  });
  return `#compdef ${BIN}
# zsh completion for ${BIN}: put it on $fpath as _${BIN.replace(/-/g, '_')}, or source it:
#   ${BIN} completion zsh > "\${fpath[1]}/_${BIN.replace(/-/g, '_')}"
_vineyard_charts() {
  if (( CURRENT == 2 )); then
    local -a commands
    commands=(${commands.map((c) => `'${c.name}:${zshQuote(c.summary)}'`).join(' ')})
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases.join('\n')}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _vineyard_charts "$@"; else compdef _vineyard_charts ${BIN}; fi
`;
}

const fishQuote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function fishScript(commands: Spec[]): string {
  const names = commands.map((c) => c.name).join(' ');
  const lines = [
    `# fish completion for ${BIN}: ${BIN} completion fish > ~/.config/fish/completions/${BIN}.fish`,
    `complete -c ${BIN} -f`,
    ...commands.map(
      (c) =>
        `complete -c ${BIN} -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${fishQuote(c.summary)}`,
    ),
  ];
  const optionLines = (s: Spec, condition: string) =>
    s.options.map((o) => {
      const parts = [`complete -c ${BIN} -n "${condition}"`];
      if (o.long) parts.push(`-l ${o.long.replace(/^--/, '')}`);
      if (o.short) parts.push(`-s ${o.short.replace(/^-/, '')}`);
      if (o.takesValue) parts.push(o.choices ? `-x -a ${fishQuote(o.choices.join(' '))}` : '-r -F');
      parts.push(`-d ${fishQuote(oneLine(o.help))}`);
      return parts.join(' ');
    });
  for (const c of commands) {
    if (c.subcommands.length) {
      const subs = c.subcommands.map((x) => x.name).join(' ');
      for (const x of c.subcommands) {
        lines.push(
          `complete -c ${BIN} -n "__fish_seen_subcommand_from ${c.name}; and not __fish_seen_subcommand_from ${subs}" -a ${x.name} -d ${fishQuote(x.summary)}`,
          ...optionLines(
            x,
            `__fish_seen_subcommand_from ${c.name}; and __fish_seen_subcommand_from ${x.name}`,
          ),
        );
      }
    } else {
      lines.push(...optionLines(c, `__fish_seen_subcommand_from ${c.name}`));
    }
    lines.push(`complete -c ${BIN} -n "__fish_seen_subcommand_from ${c.name}" -F`);
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description(
      'Print a completion script for the shell: every command, its flags and their values.\n' +
        'bash:  source <(vineyard-charts completion bash)\n' +
        'zsh:   source <(vineyard-charts completion zsh)\n' +
        'fish:  vineyard-charts completion fish | source',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  source <(vineyard-charts completion bash)              # this shell only\n' +
        '  vineyard-charts completion bash > ~/.local/share/bash-completion/completions/vineyard-charts\n' +
        '  vineyard-charts completion fish > ~/.config/fish/completions/vineyard-charts.fish',
    )
    .action((shell: 'bash' | 'zsh' | 'fish') => {
      const commands = program.commands.filter((c) => c.name() !== 'help').map(specOf);
      const script = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell](commands);
      process.stdout.write(script);
    });
}
