//! EventBridge rules: exposure of each event bus (the default bus included). The rule reads
//! only the bus's resource policy (`ListEventBuses`/`DescribeEventBus`); no event is read.

use crate::resources::messaging::EventBus;

use super::Rule;

mod bus_not_public;

pub use bus_not_public::BusNotPublic;

/// Rules evaluated once per event bus.
pub static BUS_RULES: &[&dyn Rule<Resource = EventBus>] = &[&BusNotPublic];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_bus_rule_is_a_change_triggered_bus_rule_that_passes_the_fixture() {
        let ctx = ScanContext::fixture();
        for rule in BUS_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("events."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsEventsEventbus", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
            let o = rule.evaluate(&EventBus::fixture("b"), &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", m.id, o.reason);
        }
    }
}
