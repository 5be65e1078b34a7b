//! Letter templates in the store: `get_/list_/upsert_/duplicate_/delete_` verbs.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::letters::template::Template;

/// A stored template with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    /// Its id.
    pub id: String,
    /// The template.
    pub template: Template,
}

/// A template in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TemplateSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Last saved (RFC 3339).
    pub updated_at: String,
    /// What letters from it are (the send panel starts with it).
    pub kind: crate::letters::template::LetterKind,
    /// Its title: a new letter from the template starts with it.
    pub title: String,
    /// Its body: a new letter from the template starts with it.
    pub body: String,
    /// The sender the recipient sees (the letterhead's municipality).
    pub sender: String,
    /// The case metadata letters from it start with.
    pub case: crate::letters::case::CaseMetadata,
    /// Letters from it start as sensitive (level-4 login, encrypted).
    pub sensitive: bool,
    /// Bokmål or nynorsk.
    pub language: crate::letters::template::Language,
}

impl Store {
    /// Validates and saves a template (new when `id` is `None`); one transaction.
    pub fn upsert_template(
        &self,
        id: Option<&str>,
        template: &Template,
    ) -> Result<StoredTemplate, StoreError> {
        template.validate()?;
        let id = id
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO templates (id, name, file, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, file = excluded.file, updated_at = excluded.updated_at",
            params![id, template.name, template.to_file(), now],
        )?;
        tx.commit()?;
        Ok(StoredTemplate {
            id,
            template: template.clone(),
        })
    }

    /// One template.
    pub fn get_template(&self, id: &str) -> Result<StoredTemplate, StoreError> {
        let file: String = self
            .conn()
            .query_row(
                "SELECT file FROM templates WHERE id = ?1 AND deleted_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("template {id}")))?;
        Ok(StoredTemplate {
            id: id.to_owned(),
            template: Template::from_file(file.as_bytes())?,
        })
    }

    /// Templates by name.
    pub fn list_templates(&self) -> Result<Vec<TemplateSummary>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT id, name, updated_at, file FROM templates WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE, id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (id, name, updated_at, file) = row?;
            let template = Template::from_file(file.as_bytes())?;
            Ok(TemplateSummary {
                id,
                name,
                updated_at,
                kind: template.kind,
                title: template.title,
                body: template.body,
                sender: template.letterhead.municipality,
                case: template.case,
                sensitive: template.sensitive,
                language: template.language,
            })
        })
        .collect()
    }

    /// A copy named "<name> (kopi)".
    pub fn duplicate_template(&self, id: &str) -> Result<StoredTemplate, StoreError> {
        let mut copy = self.get_template(id)?.template;
        copy.name = format!("{} (kopi)", copy.name);
        self.upsert_template(None, &copy)
    }

    /// Removes a template from the list (kept in the file as deleted).
    pub fn delete_template(&self, id: &str) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE templates SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, self.clock.now().to_rfc3339()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("template {id}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::clock::SystemClock;
    use crate::letters::template::example;
    use crate::store::{Store, StoreError};

    #[test]
    fn templates_are_saved_listed_duplicated_and_deleted() {
        let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let saved = store.upsert_template(None, &example()).unwrap();
        assert_eq!(store.get_template(&saved.id).unwrap().template, example());
        let copy = store.duplicate_template(&saved.id).unwrap();
        let names: Vec<String> = store
            .list_templates()
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["Vedtak – eksempel", "Vedtak – eksempel (kopi)"]);
        store.delete_template(&copy.id).unwrap();
        assert_eq!(store.list_templates().unwrap().len(), 1);
        assert!(matches!(
            store.get_template(&copy.id),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn an_invalid_template_is_not_saved() {
        let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let mut bad = example();
        bad.body = "**uavsluttet".into();
        assert!(matches!(
            store.upsert_template(None, &bad),
            Err(StoreError::Template(_))
        ));
        assert!(store.list_templates().unwrap().is_empty());
    }
}
