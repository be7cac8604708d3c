/** The wire and file formats of optin-fleet, written down once: JSON Schemas and the records that carry them. */
package dev.optinfleet.schemas;
