use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong in storage, in terms the use cases can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL or a setting is wrong.
    #[error("{0}")]
    Config(String),
    /// The database could not be opened or reached.
    #[error("{0}")]
    Connect(String),
    /// No connection became free in time, or the server went away.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A unique constraint refused the write.
    #[error("conflicts with an existing record ({constraint})")]
    Duplicate { constraint: String },
    /// A foreign key refused the write: something it refers to does not exist.
    #[error("refers to a record that does not exist ({constraint})")]
    MissingReference { constraint: String },
    /// A stored value does not parse as the type it should have: a bug or a manual edit.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Query(DieselError),
    #[error("{0}")]
    Internal(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Duplicate {
                    constraint: info.constraint_name().unwrap_or(info.message()).to_owned(),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StoreError::MissingReference {
                    constraint: info.constraint_name().unwrap_or(info.message()).to_owned(),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            // Contention, not a fault: the client may simply try again.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info)
                if info.message().contains("deadlock detected")
                    || info.message().contains("database is locked") =>
            {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Query(other),
        }
    }
}
