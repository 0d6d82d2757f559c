//! The integration tests of the `ccm` command, in one test binary (each binary links the AWS SDK,
//! so one instead of ten saves minutes of linking on a 2-core CI). One module per area; `support`
//! holds the moto world the operator-command tests share.

mod support;

mod alt_contacts;
mod cli_binary;
mod cli_help;
mod domain_onboarding;
mod example_files;
mod identity_center_sync;
mod saml_browser;
mod serve;
mod ses_commands;
mod ses_feedback;
mod ses_zones;
mod shared_index;
