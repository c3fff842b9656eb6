// placeholder: replaced by the protocol work
