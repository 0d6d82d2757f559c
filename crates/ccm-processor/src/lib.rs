//! ccm-processor
