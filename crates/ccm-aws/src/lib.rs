//! ccm-aws
