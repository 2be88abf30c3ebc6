// Package xform turns a survey definition (form.Survey) into an ODK XForm, and an XForm
// instance (what ODK Collect, KoboCollect, Enketo and ODK Web Forms submit) back into the
// envelope a JSON push carries, so that both go through one parser, validator and store.
//
// The XForm follows pyxform's structure (h:html, model with the primary instance, one
// secondary instance per choice list, binds, then the body) and is deterministic: the same
// survey always gives the same bytes, so the md5 in the OpenRosa form list is stable.
//
// Instances are read with encoding/xml under limits: no DTD (so no entity expansion of any
// kind, internal or external), bounded depth, element count and text size.
package xform
