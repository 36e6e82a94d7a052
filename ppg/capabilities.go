package ppg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/txpush/txpush/pap"
)

// A push-message may carry a capabilities entity: the client capabilities
// the PI assumed when it made the content (UAProf, RDF/XML). The PPG
// matches it against the profile it has for each address
// (Config.DeviceProfiles) before it accepts the push:
//
//   - no profile for an address: the PPG cannot match, 3004;
//   - a property the PI assumed that the profile does not have: 2006
//     (required capabilities not supported);
//   - a property both have with another value: 2005 (capabilities
//     mismatch). For a property with several values (an rdf:Bag or
//     rdf:Seq, such as CcppAccept), every value the PI assumed must be
//     among the device's; a single value must be equal, ignoring case and
//     surrounding space.
//
// A property is an element with no element children, named by its local
// name (namespaces and the rdf:Description nesting are not compared), or
// an element whose children are rdf:li items, which are its values.

// maxCapabilityProperties bounds the properties read from one document.
const maxCapabilityProperties = 1000

// capabilityProperties reads the properties of a UAProf document.
func capabilityProperties(doc []byte) (map[string][]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	type open struct {
		name     string
		text     strings.Builder
		children bool
		items    []string
	}
	var stack []*open
	props := map[string][]string{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > 0 {
				stack[len(stack)-1].children = true
			}
			if len(stack) >= 32 {
				return nil, errors.New("elements nested too deep")
			}
			stack = append(stack, &open{name: t.Name.Local})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			text := strings.TrimSpace(e.text.String())
			switch {
			case e.name == "li" && len(stack) > 0:
				// An item of a Bag or Seq: a value of the property
				// two levels up.
				if len(stack) >= 2 {
					stack[len(stack)-2].items = append(stack[len(stack)-2].items, text)
				}
			case len(e.items) > 0:
				props[e.name] = append(props[e.name], e.items...)
			case !e.children && text != "" && e.name != "Bag" && e.name != "Seq":
				props[e.name] = append(props[e.name], text)
			}
			if len(props) > maxCapabilityProperties {
				return nil, fmt.Errorf("more than %d properties", maxCapabilityProperties)
			}
		}
	}
	return props, nil
}

// matchCapabilities decides a push's capabilities entity against the
// profiles of its addresses; code 0 means the push may go on.
func (p *PPG) matchCapabilities(caps *pap.Entity, addrs []pap.Address) (pap.Code, string) {
	if caps == nil {
		return 0, ""
	}
	assumed, err := capabilityProperties(caps.Body)
	if err != nil {
		return pap.CodeBadRequest, "the capabilities entity is not a readable RDF document: " + err.Error()
	}
	names := make([]string, 0, len(assumed))
	for name := range assumed {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, a := range addrs {
		doc, ok := p.cfg.DeviceProfiles[strings.TrimPrefix(a.Value, "+")]
		if !ok {
			return pap.CodeCapabilityMatchingNotSupported,
				"no profile of the device at " + a.String() + " is known: its capabilities cannot be matched"
		}
		device, err := capabilityProperties([]byte(doc))
		if err != nil {
			return pap.CodeCapabilityMatchingNotSupported,
				"the profile of the device at " + a.String() + " cannot be read: " + err.Error()
		}
		for _, name := range names {
			have, ok := device[name]
			if !ok {
				return pap.CodeRequiredCapabilitiesNotSupported,
					"the device at " + a.String() + " does not declare " + name
			}
			for _, want := range assumed[name] {
				if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), want) }) {
					return pap.CodeCapabilitiesMismatch,
						fmt.Sprintf("the device at %s has %s %q, not %q", a.String(), name, strings.Join(have, ", "), want)
				}
			}
		}
	}
	return 0, ""
}
