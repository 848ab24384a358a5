package data

import (
	"bufio"
	"fmt"
)

func importHSDSJSON(v *Vocabulary, name string, br *bufio.Reader, opts ImportOptions) ([]*Group, []error, error) {
	return nil, nil, fmt.Errorf("import %s: HSDS is not supported yet", name)
}

func importHSDSTables(v *Vocabulary, dir string, opts ImportOptions) ([]*Group, []error, error) {
	return nil, nil, fmt.Errorf("import %s: HSDS tables are not supported yet", dir)
}
