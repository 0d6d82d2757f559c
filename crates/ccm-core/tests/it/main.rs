//! Integration tests of the domain core: one binary (see STYLE.md, habit 11).

mod hostile_objects;
