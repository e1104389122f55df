"""AMI events → one record per call: reader → call builder → store."""
