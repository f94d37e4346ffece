//! Who may do what: the roles an account of the platform has.

use std::fmt;

use crate::ModelError;

/// The role of an account (账号角色). What each may do is the server's decision; the model only names
/// them. An `Enterprise` account speaks for one enterprise of the registry, the others for the department.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理员: manages accounts and data.
    Admin,
    /// 分析员: a department analyst who reads and edits the registry and runs analyses.
    Analyst,
    /// 企业: an enterprise that maintains its own record.
    Enterprise,
    /// 专家: an outside expert who reads and comments.
    Expert,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Enterprise, Role::Expert];

    /// A role by its English name (`admin`, `analyst`, `enterprise`, `expert`, any case) or its Chinese
    /// one (管理员, 分析员, 企业, 专家).
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" | "管理员" => Ok(Self::Admin),
            "analyst" | "分析员" => Ok(Self::Analyst),
            "enterprise" | "企业" => Ok(Self::Enterprise),
            "expert" | "专家" => Ok(Self::Expert),
            _ => Err(ModelError::Role(s.to_string())),
        }
    }

    /// The name serde and the databases use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Enterprise => "enterprise",
            Self::Expert => "expert",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(Role::parse(&role.to_string()), Ok(role));
            let json = serde_json::to_string(&role).expect("serialise");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).expect("deserialise"), role);
        }
    }

    #[test]
    fn chinese_names_and_case() {
        let check = |s: &str, expected: Role| assert_eq!(Role::parse(s), Ok(expected), "{s}");
        check("管理员", Role::Admin);
        check("分析员", Role::Analyst);
        check(" 企业 ", Role::Enterprise);
        check("专家", Role::Expert);
        check("Admin", Role::Admin);
        check("EXPERT", Role::Expert);
    }

    #[test]
    fn unknown_roles_are_refused() {
        for s in ["", "root", "管理", "admins"] {
            let err = Role::parse(s).expect_err(s);
            assert!(err.to_string().contains("admin, analyst, enterprise or expert"), "{err}");
        }
    }
}
