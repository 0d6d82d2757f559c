//! ccm-embedded
