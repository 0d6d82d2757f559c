//! The command line definition: clap's consistency checks, and the `--help` of every command
//! snapshot-tested (insta), so a change to flags or help text shows up in review.

use ccm_cli::Cli;
use clap::CommandFactory;

#[test]
fn the_command_line_definition_is_consistent() {
    Cli::command().debug_assert();
}

/// `(path, long help)` of `cmd` and every subcommand below it.
fn helps(cmd: &mut clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    out.push((path.to_owned(), cmd.render_long_help().to_string()));
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("{path} {}", sub.get_name());
        helps(sub, &name, out);
    }
}

fn all_helps() -> Vec<(String, String)> {
    let mut cmd = Cli::command().term_width(100);
    cmd.build();
    let mut out = Vec::new();
    helps(&mut cmd, "ccm", &mut out);
    out
}

#[test]
fn every_operator_command_has_help_with_examples() {
    for (path, help) in all_helps() {
        let operator =
            ["ccm ses ", "ccm identity-center ", "ccm domain ", "ccm alt-contact ", "ccm customers ", "ccm sync"]
                .iter()
                .any(|p| path.starts_with(p) || path == p.trim_end());
        let leaf = !help.contains("\nCommands:\n");
        if operator && leaf {
            assert!(help.contains("Example"), "{path} --help has no example:\n{help}");
        }
    }
}

fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} --{}", arg.get_long().unwrap_or(arg.get_id().as_str())));
        }
    }
    // `ccm serve` belongs to the local server and documents itself.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "serve") {
        undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_option_is_described() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut missing = Vec::new();
    undocumented(&cmd, "ccm", &mut missing);
    assert!(missing.is_empty(), "options without help:\n{}", missing.join("\n"));
}

#[test]
fn the_help_of_every_command_matches_its_snapshot() {
    for (path, help) in all_helps() {
        let name = path.replace(' ', "-");
        insta::assert_snapshot!(name, help);
    }
}
