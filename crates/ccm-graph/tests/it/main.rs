//! The Graph adapter against a Graph stand-in of our own (`ccm_testkit::graph_stub`), which checks
//! paths, headers, the bearer token and the JSON of every request as Graph documents them.

mod calendar;
mod faults;
mod support;
