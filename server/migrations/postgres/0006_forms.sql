-- Intake form templates, and which groups hand them to people who join.
CREATE TABLE form_templates (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    fields     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE group_forms (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    form_id  TEXT NOT NULL REFERENCES form_templates(id),
    PRIMARY KEY (group_id, form_id)
);
