//! ccm-auth
