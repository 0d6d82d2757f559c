//! ccm-cli
