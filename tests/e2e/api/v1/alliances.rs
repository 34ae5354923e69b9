//! Tests for this part of /api/v1 (to be written).
