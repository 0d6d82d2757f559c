//! ccm-testkit
