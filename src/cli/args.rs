//! Arguments the commands share: tool names, validated by clap against the registry.

use clap::Args;

use crate::contract::Tool;
use crate::tools;

/// Tool names as arguments, validated by clap against the registry.
#[derive(Args, Debug, Clone)]
pub struct ToolList {
    /// Tools to act on (default: all)
    #[arg(value_name = "TOOL", value_parser = tool_or_all())]
    pub tools: Vec<String>,
}

impl ToolList {
    /// Whether the user named tools, rather than meaning all of them.
    pub fn explicit(&self) -> bool {
        !self.tools.is_empty() && !self.tools.iter().any(|tool| tool == "all")
    }

    pub fn selected(&self) -> Vec<&'static dyn Tool> {
        if self.explicit() {
            tools::ALL
                .iter()
                .copied()
                .filter(|tool| self.tools.iter().any(|name| name == tool.name()))
                .collect()
        } else {
            tools::ALL.to_vec()
        }
    }
}

pub fn tool_name() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(tools::names())
}

fn tool_or_all() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(tools::names().chain(["all"]))
}
