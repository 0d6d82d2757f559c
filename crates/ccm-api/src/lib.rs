//! ccm-api
