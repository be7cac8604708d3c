package dev.optinfleet.coordinator.security;

/**
 * An authenticated caller asking for something outside its scope (an upload outside the configured prefixes, an
 * output prefix outside the roots, another team's model name); answered 403 naming the value and the rule.
 */
public class ForbiddenScopeException extends RuntimeException {
    public ForbiddenScopeException(String message) {
        super(message);
    }
}
