//! The bundled leaking demo server. Built in a later step.

#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {}

pub fn run(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("the demo server is not part of this build yet")
}
